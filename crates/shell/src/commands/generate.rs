//! `github-sql generate`: the provider generator (crates/generator) over GitHub's REST
//! description, with a summary of what it wrote.

use std::path::Path;

/// Writes the provider directory for every operation of `from` under `out` and prints what it
/// made.
pub fn run(from: &Path, out: &Path) -> crate::Result<()> {
    let s = github_sql_generator::generate(from, out)
        .map_err(|e| crate::Error::Usage(e.to_string()))?;
    let verbs: Vec<String> = s.by_verb.iter().map(|(v, n)| format!("{v} {n}")).collect();
    eprintln!(
        "generate: {} operations: {} services, {} resources, {} methods ({}; {} for further envelope arrays); {} covered by the curated packages/registry documents; {} resources map rows to parameters ({} mappings), {} have envelope columns ({}), {} write paths split off; wrote {}",
        s.operations,
        s.services,
        s.resources,
        s.methods,
        verbs.join(", "),
        s.envelope_methods,
        s.curated_operations,
        s.mapped.0,
        s.mapped.1,
        s.envelopes.0,
        s.envelopes.1,
        s.split_writes,
        out.display()
    );
    Ok(())
}
