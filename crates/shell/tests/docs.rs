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
    github_sql_shell::commands::docs::write_all(&provider, &out).expect("pages generate");
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
        format!("{} old -->\n", github_sql_shell::commands::docs::MARKER),
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
        .filter(|r| !r.examples.is_empty())
        .count();
    assert_eq!(
        pages, 9,
        "the curated packages and registry resources have pages here"
    );
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

// The reference pages in docs/reference are generated from provider-spec-generated/ by
// `github-sql docs --reference`.

fn docs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

fn generated_provider() -> github_sql::spec::Provider {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated");
    github_sql::spec::load_dir(&dir).expect("provider-spec-generated loads")
}

/// Every `.md` file under `dir`, as paths relative to it.
fn md_tree(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "md") {
                out.insert(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// `a/b/../c` → `a/c`; `None` when it climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// The targets of the Markdown links `[text](target)` in `text`.
fn links(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            rest.find(')').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn committed_reference_pages_match_the_generated_provider() {
    let provider = generated_provider();
    let fresh = github_sql_shell::commands::docs::reference::render_reference(&provider);
    let committed_dir = docs_root().join("reference");
    let hint = "run `cargo run -- docs --reference provider-spec-generated --out docs/reference` and commit docs/reference";
    let want: BTreeSet<PathBuf> = fresh.iter().map(|(p, _)| p.clone()).collect();
    let have = md_tree(&committed_dir);
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = have.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/reference is out of date (missing {missing:?}, extra {extra:?}): {hint}"
    );
    for (rel, text) in &fresh {
        let committed = std::fs::read_to_string(committed_dir.join(rel)).expect("committed page");
        if *text != committed {
            let line = text
                .lines()
                .zip(committed.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| text.lines().count().min(committed.lines().count()))
                + 1;
            panic!(
                "docs/reference/{} differs from the generated provider at line {line}: {hint}",
                rel.display()
            );
        }
    }
}

#[test]
fn every_resource_has_a_page_the_index_links_and_no_link_is_broken() {
    use github_sql_shell::commands::docs::reference::{curated_page, render_reference};
    let provider = generated_provider();
    let fresh = render_reference(&provider);
    let pages: BTreeSet<PathBuf> = fresh.iter().map(|(p, _)| p.clone()).collect();
    let index = &fresh
        .iter()
        .find(|(p, _)| p == Path::new("README.md"))
        .expect("index")
        .1;
    let index_links: BTreeSet<String> = links(index).into_iter().collect();
    let mut curated = 0;
    for r in provider.resources() {
        // The index's link to the resource, relative to docs/reference/.
        let link = match curated_page(r) {
            Some(page) => {
                curated += 1;
                assert!(
                    docs_root().join(&page).is_file(),
                    "{}: its curated page docs/{page} exists",
                    r.id
                );
                format!("../{page}")
            }
            None => {
                let page = format!("{}/{}.md", r.service, r.resource_name);
                assert!(pages.contains(Path::new(&page)), "{} has a page", r.id);
                page
            }
        };
        assert!(index_links.contains(&link), "the index links {link}");
    }
    assert_eq!(
        curated, 9,
        "the packages and registry tables keep their pages"
    );
    assert!(provider.resources().count() > 300, "the whole API is there");
    // Every service page, and every page the index links exists, here or in docs/.
    for s in &provider.services {
        assert!(
            index_links.contains(&format!("{}/README.md", s.name)),
            "{}",
            s.name
        );
    }
    let mut checked = 0;
    for (rel, text) in &fresh {
        assert!(
            text.starts_with(github_sql_shell::commands::docs::reference::MARKER),
            "{}",
            rel.display()
        );
        for target in links(text) {
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap_or_default();
            let base = Path::new("reference").join(rel.parent().unwrap_or(Path::new("")));
            let path = normalize(&base.join(file))
                .unwrap_or_else(|| panic!("{}: link {target} leaves docs/", rel.display()));
            let ok = match path.strip_prefix("reference") {
                Ok(inside) if inside.extension().is_some() => pages.contains(inside),
                _ => docs_root().join(&path).exists(),
            };
            assert!(ok, "docs/reference/{}: broken link {target}", rel.display());
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked} links checked");
    // What is not served is shown: on its resource's page, or on its service's page when the
    // whole resource is not served. (Curated resources' own pages are written elsewhere.)
    for u in &provider.unserved {
        let r = provider
            .resources()
            .find(|r| r.service == u.service && r.resource_name == u.resource);
        let page = match r {
            Some(r) if curated_page(r).is_some() => continue,
            Some(_) => format!("{}/{}.md", u.service, u.resource),
            None => format!("{}/README.md", u.service),
        };
        let text = &fresh
            .iter()
            .find(|(p, _)| p == Path::new(&page))
            .unwrap_or_else(|| panic!("{page} exists"))
            .1;
        let shown = match &u.method {
            Some(m) => format!("| `{m}` |"),
            None => format!("| `{}` |", u.resource),
        };
        assert!(text.contains(&shown), "{page} lists unserved {shown}");
    }
}

#[test]
fn reference_pages_show_names_methods_and_examples() {
    let provider = generated_provider();
    let fresh = github_sql_shell::commands::docs::reference::render_reference(&provider);
    let page = |p: &str| {
        fresh
            .iter()
            .find(|(q, _)| q == Path::new(p))
            .unwrap_or_else(|| panic!("{p}"))
            .1
            .clone()
    };
    let runs = page("actions/workflow_runs.md");
    for want in [
        "| Id | `github.actions.workflow_runs` |",
        "| Qualified table | `actions_workflow_runs` |",
        "| `created_at` | TEXT, timestamp |",
        "| `list_workflow_runs_for_repo` | SELECT | `GET /repos/{owner}/{repo}/actions/runs` | `owner`, `repo` |",
        "SELECT * FROM workflow_runs WHERE owner = 'my-owner' AND repo = 'my-repo';",
        "DELETE FROM workflow_runs WHERE owner = 'my-owner' AND repo = 'my-repo' AND run_id = 123;",
        "EXEC github.actions.workflow_runs.cancel_workflow_run @owner='my-owner', @repo='my-repo', @run_id=123;",
        "| `re_run_workflow` | EXEC | `POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun` | `owner`, `repo`, `run_id` | `data__enable_debug_logging` |",
    ] {
        assert!(runs.contains(want), "workflow_runs page has {want:?}:\n{runs}");
    }
    // A shared bare name says so, and its examples use the qualified name.
    let shared = provider
        .resources()
        .find(|r| r.name != r.resource_name)
        .expect("some resource name is shared by services");
    let text = page(&format!("{}/{}.md", shared.service, shared.resource_name));
    assert!(text.contains(&format!(
        "| Table | none (`{}` is in ",
        shared.resource_name
    )));
    if !shared.select.is_empty() {
        assert!(
            text.contains(&format!("SELECT * FROM {} ", shared.qualified))
                || text.contains(&format!("SELECT * FROM {};", shared.qualified))
        );
    }
    // The packages tables are not duplicated: the index links their pages in docs/tables.
    let index = page("README.md");
    assert!(index.contains("[manifests](../tables/manifests.md)"));
    assert!(!fresh
        .iter()
        .any(|(p, _)| p == Path::new("registry/manifests.md")));
    assert!(page("registry/README.md").contains("[manifests](../../tables/manifests.md)"));
}

#[test]
fn github_sql_docs_reference_writes_the_tree_and_removes_stale_pages() {
    let out = temp_dir("reference");
    let stale_dir = out.join("gone_service");
    std::fs::create_dir_all(&stale_dir).expect("mkdir");
    let stale = stale_dir.join("gone.md");
    std::fs::write(
        &stale,
        format!("{}\n", github_sql_shell::commands::docs::reference::MARKER),
    )
    .expect("write");
    let own = out.join("notes.md");
    std::fs::write(&own, "my own notes\n").expect("write");
    let provider_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated");
    let o = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["docs", "--reference"])
        .arg(&provider_dir)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let files =
        github_sql_shell::commands::docs::reference::render_reference(&generated_provider()).len();
    assert!(
        stderr.contains(&format!("docs: wrote {files} reference pages for ")),
        "{stderr}"
    );
    assert!(
        !stale.exists() && !stale_dir.exists(),
        "stale pages and folders go"
    );
    assert!(own.exists(), "other files are left alone");
    assert_eq!(md_tree(&out).len(), files + 1);
    assert!(out.join("actions/workflow_runs.md").is_file());
    let _ = std::fs::remove_dir_all(&out);
}
