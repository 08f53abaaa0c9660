//! Embeds the provider: the whole REST API of `provider-spec-generated/` with the curated
//! service documents of `provider-spec/` in place of their generated copies, loaded here once
//! and written in the spec crate's compact form, so start-up decodes a model instead of parsing
//! megabytes of YAML (docs/performance.md, "Embedding the whole API").
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// Every YAML file under `root`, by path relative to it.
fn read_tree(root: &Path) -> HashMap<String, String> {
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(root, &mut files);
    files
        .iter()
        .map(|f| {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
            (rel, text)
        })
        .collect()
}

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = read_tree(&workspace.join("provider-spec-generated"));
    // The curated documents are the source of their services; provider.yaml stays the generated
    // one, which lists every service (its config is the curated provider's, copied by the
    // generator; the generate test checks the copy is current).
    for (rel, text) in read_tree(&workspace.join("provider-spec")) {
        if !rel.ends_with("/provider.yaml") {
            files.insert(rel, text);
        }
    }
    let provider = github_sql_spec::load_files(files).unwrap_or_else(|e| panic!("{e}"));
    let bytes = github_sql_spec::compact::encode(&provider).unwrap_or_else(|e| panic!("{e}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("provider.postcard");
    std::fs::write(out, bytes).expect("write provider.postcard");
}
