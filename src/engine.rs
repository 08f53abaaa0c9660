//! An engine: one provider document plus one GitHub client; what every front end registers.

use std::sync::Arc;

use crate::http::{ClientConfig, GitHubClient};
use crate::spec::Provider;

/// What a SQLite connection needs to serve the provider's tables.
#[derive(Clone, Debug)]
pub struct Engine {
    /// The provider document.
    pub provider: Arc<Provider>,
    /// The GitHub client.
    pub client: GitHubClient,
}

impl Engine {
    /// An engine for this provider and client configuration.
    pub fn new(provider: Arc<Provider>, config: ClientConfig) -> Self {
        Engine {
            provider,
            client: GitHubClient::new(config),
        }
    }

    /// The provider from `GITHUB_SQL_PROVIDER_DIR` (else embedded) and the client from the
    /// environment (`GITHUB_TOKEN`/`GH_TOKEN`/`STACKQL_GITHUB_PASSWORD`, `GITHUB_API_URL`).
    pub fn from_env() -> crate::Result<Self> {
        Ok(Engine::new(
            Arc::new(crate::spec::load_from_env()?),
            ClientConfig::from_env(),
        ))
    }
}
