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

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_compact_form_gives_back_the_same_provider() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec");
        let p = super::load_dir(&dir).expect("the curated documents load");
        let bytes = super::compact::encode(&p).expect("encodes");
        let back = super::compact::decode(&bytes).expect("decodes");
        assert_eq!(format!("{back:?}"), format!("{p:?}"));
        let err = super::compact::decode(&bytes[..bytes.len() / 2]).expect_err("cut short");
        assert!(err.to_string().contains("rebuild"), "{err}");
    }
}
