//! The provider the engine serves: the spec crate's model (re-exported whole), and the copy
//! embedded at build time.

pub use github_sql_spec::*;

use std::path::Path;

/// The whole provider, loaded by build.rs and stored in the spec crate's compact form.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/provider.postcard"));

/// Loads the provider from `GITHUB_SQL_PROVIDER_DIR` when set, else the embedded copy.
pub fn load_from_env() -> Result<Provider, SpecError> {
    match std::env::var_os(PROVIDER_DIR_ENV) {
        Some(dir) if !dir.is_empty() => load_dir(Path::new(&dir)),
        _ => load_embedded(),
    }
}

/// The provider embedded at build time: every service of `provider-spec-generated/`, with the
/// curated `packages` and `registry` documents of `provider-spec/`.
pub fn load_embedded() -> Result<Provider, SpecError> {
    compact::decode(EMBEDDED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_provider_is_the_whole_api_with_the_curated_documents() {
        let p = load_embedded().expect("embedded provider decodes");
        let generated = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../provider-spec-generated/github/v00.00.00000/services");
        let files = std::fs::read_dir(generated)
            .expect("generated services")
            .count();
        assert_eq!(
            p.services.len(),
            files,
            "one service per generated document"
        );
        // The curated documents' own content (examples, notes, scopes), not only their copies.
        let versions = p
            .resource_by_id("github.packages.auth_user_versions")
            .expect("versions");
        assert!(!versions.examples.is_empty() && !versions.notes.is_empty());
        assert!(versions.methods.iter().all(|m| !m.scopes.is_empty()));
        let runs = p
            .resource_by_id("github.actions.workflow_runs")
            .expect("runs");
        assert_eq!(runs.qualified, "actions_workflow_runs");
        assert!(runs.methods.iter().all(|m| m.scopes.is_empty()));
    }
}
