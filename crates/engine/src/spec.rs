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
