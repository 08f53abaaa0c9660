//! The provider document embedded at build time, parsed once per backend: what the wrapper's
//! tables, functions and hints are made from.

use std::sync::{Arc, OnceLock};

use github_sql_engine::spec::{self, Provider};

/// The embedded provider document could not be parsed (a build defect, named as it is).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the embedded provider document does not load: {0}")]
pub struct ProviderUnavailable(String);

/// The provider, parsed on first use.
pub fn provider() -> Result<&'static Arc<Provider>, ProviderUnavailable> {
    static PROVIDER: OnceLock<Result<Arc<Provider>, String>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            spec::load_embedded()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ProviderUnavailable(e.clone()))
}
