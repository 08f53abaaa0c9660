//! The provider document: StackQL's layout (provider.yaml + OpenAPI service documents with
//! `x-stackQL-resources`) parsed into typed resources, columns, methods and parameters.
//!
//! This is the only place that knows the document's shape; everything downstream reads
//! [`Resource`]. Adding a resource means editing `provider-spec/`, not Rust.

mod load;
mod model;
mod names;

pub use load::{load_dir, load_files, SpecError, PROVIDER_DIR_ENV};
pub use model::*;

/// The compact form of a loaded provider: what the engine's build script embeds, so a binary
/// serving the whole REST API does not parse megabytes of YAML at start-up.
pub mod compact {
    use super::{Provider, SpecError};

    /// Encodes a loaded provider.
    pub fn encode(provider: &Provider) -> Result<Vec<u8>, SpecError> {
        postcard::to_allocvec(provider).map_err(|e| error(e.to_string()))
    }

    /// Decodes what [`encode`] wrote (by the same build of this crate).
    pub fn decode(bytes: &[u8]) -> Result<Provider, SpecError> {
        postcard::from_bytes(bytes).map_err(|e| error(e.to_string()))
    }

    fn error(message: String) -> SpecError {
        SpecError {
            file: "(compact provider)".into(),
            location: "(bytes)".into(),
            message: format!(
                "{message}; rebuild: the embedded form is written by the engine's build script"
            ),
        }
    }
}
