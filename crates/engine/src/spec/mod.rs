//! The provider document: StackQL's layout (provider.yaml + OpenAPI service documents with
//! `x-stackQL-resources`) parsed into typed resources, columns, methods and parameters.
//!
//! This is the only place that knows the document's shape; everything downstream reads
//! [`Resource`]. Adding a resource means editing `provider-spec/`, not Rust.

mod load;
mod model;
mod names;

pub use load::{load_dir, load_embedded, load_from_env, SpecError, PROVIDER_DIR_ENV};
pub use model::*;
