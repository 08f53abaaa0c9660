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
    /// Let views and triggers stored in database files use the tables (off by default).
    pub allow_in_views: bool,
}

/// Environment variable that makes the tables usable from views and triggers in database files.
pub const ALLOW_VIEWS_ENV: &str = "GITHUB_SQL_ALLOW_VIEWS";

impl Engine {
    /// An engine for this provider and client configuration; the provider's `config.auth`
    /// applies ([`ClientConfig::with_auth`]: `type: basic` reads its user name and password
    /// variables).
    pub fn new(provider: Arc<Provider>, config: ClientConfig) -> Self {
        let config = config.with_auth(&provider.auth);
        Engine {
            provider,
            client: GitHubClient::new(config),
            allow_in_views: false,
        }
    }

    /// The provider from `GITHUB_SQL_PROVIDER_DIR` (else embedded) and the client from the
    /// environment (`GITHUB_TOKEN`/`GH_TOKEN`/`STACKQL_GITHUB_PASSWORD`, `GITHUB_API_URL`).
    pub fn from_env() -> crate::Result<Self> {
        crate::settings::check_env()?;
        let mut engine = Engine::new(
            Arc::new(crate::spec::load_from_env()?),
            ClientConfig::from_env(),
        );
        engine.allow_in_views = allow_views_from_env();
        Ok(engine)
    }
}

/// Whether `GITHUB_SQL_ALLOW_VIEWS` is on (1, true, yes or on).
pub fn allow_views_from_env() -> bool {
    crate::settings::switch(ALLOW_VIEWS_ENV).unwrap_or(false)
}
